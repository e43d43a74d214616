/**
 * @module MemoryCheckpointStorage against the storage contract.
 */
import { corruptBytes, runCheckpointStorageContract } from './checkpoint-storage-contract.ts';
import { MemoryCheckpointStorage } from './memory-checkpoint-storage.ts';

runCheckpointStorageContract('MemoryCheckpointStorage', {
  create: async () => {
    const storage = new MemoryCheckpointStorage();
    return {
      storage,
      corrupt: async (directory, file, how) => storage.tamper(`${directory}/${file}`, (bytes) => corruptBytes(bytes, how)),
      cleanup: async () => {},
    };
  },
});
