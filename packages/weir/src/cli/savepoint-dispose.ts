/**
 * @module `weir savepoint dispose <path>`: deletes a savepoint directory, once its `_metadata` shows it
 * is one. weir never deletes savepoints on its own.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { WeirError, describeCause } from '../core/errors.ts';
import { decodeCheckpointMetadata } from '../checkpoint/checkpoint-metadata-codec.ts';
import { METADATA_FILE_NAME } from '../checkpoint/checkpoint-layout.ts';
import { errnoCode } from '../checkpoint/checkpoint-file-system.ts';
import { onePath, parseSavepointToolArgs, wantsHelp } from './savepoint-args.ts';

const USAGE = `Usage: weir savepoint dispose <path>

Deletes a savepoint: its directory with everything in it. <path> is the savepoint directory or its
_metadata file; the directory must hold a valid _metadata, or nothing is deleted.`;

export async function savepointDisposeCommand(args: readonly string[]): Promise<number> {
  const parsed = parseSavepointToolArgs(args, [], [], USAGE);
  if (wantsHelp(parsed)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const target = path.resolve(onePath(parsed, 'savepoint path', USAGE));
  const directory = path.basename(target) === METADATA_FILE_NAME ? path.dirname(target) : target;
  const found = await stat(directory).catch(() => undefined);
  if (found?.isDirectory() !== true) {
    throw new WeirError('INVALID_OPTION', `no savepoint at ${directory}: ${found === undefined ? 'it does not exist' : 'it is not a directory'}`, {
      hint: 'give the path weir printed when it took the savepoint (a savepoint-... directory)',
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path.join(directory, METADATA_FILE_NAME));
  } catch (error) {
    const why = errnoCode(error) === 'ENOENT' ? `it has no ${METADATA_FILE_NAME}` : `its ${METADATA_FILE_NAME} cannot be read (${describeCause(error)})`;
    throw new WeirError('INVALID_OPTION', `${directory} is not a savepoint: ${why}; nothing was deleted`, {
      hint: 'give the directory of a savepoint; delete other directories by hand',
    });
  }
  const decoded = decodeCheckpointMetadata(bytes);
  if (!decoded.ok) {
    throw new WeirError('INVALID_OPTION', `${directory} is not a valid savepoint: its ${METADATA_FILE_NAME} ${decoded.reason}; nothing was deleted`, {
      hint: 'delete it by hand if you are sure it is not needed',
    });
  }
  await rm(directory, { recursive: true, force: true });
  const { metadata } = decoded;
  process.stdout.write(`Disposed ${metadata.type} ${directory} of job '${metadata.jobName}' (${metadata.jobId}).\n`);
  return 0;
}
