/**
 * @module The worker-thread side of a slot: receives its deployment from the JobManager and runs a
 * TaskExecutor; anything that escapes is reported before the thread dies.
 */
import { parentPort } from 'node:worker_threads';
import { errorToData, WeirError } from '../core/errors.ts';
import { TaskExecutor } from './task-executor.ts';
import { transferableStateOf, type FromWorker, type ToWorker } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new WeirError('INTERNAL', 'slot-worker-main must run in a worker thread');

const send = (message: FromWorker): void => {
  // A checkpoint's state bytes move to the JobManager instead of being copied: they can be hundreds of MB.
  port.postMessage(message, message.type === 'checkpoint-ack' ? transferableStateOf(message.ack) : undefined);
};
const executor = new TaskExecutor({ send });

process.on('uncaughtException', (error) => {
  send({ type: 'slot-failed', error: errorToData(error) });
});
process.on('unhandledRejection', (error) => {
  send({ type: 'slot-failed', error: errorToData(error) });
});

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'deploy':
      void executor.deploy(message.deployment);
      break;
    case 'shutdown':
      executor.shutdown();
      port.close();
      break;
    case 'trigger-checkpoint':
      if (message.final === true) executor.triggerFinalCheckpoint(message.barrier);
      else executor.triggerCheckpoint(message.barrier, message.stop);
      break;
    case 'finish-tasks':
      executor.finishTasks();
      break;
    case 'checkpoint-complete':
      executor.notifyCheckpointComplete(message.checkpointId);
      break;
    case 'checkpoint-aborted':
      executor.notifyCheckpointAborted(message.checkpointId);
      break;
    case 'cancel-tasks':
      void executor.cancelTasks(message.vertices).then(() => {
        send({ type: 'tasks-cancelled', requestId: message.requestId });
      });
      break;
    case 'deploy-tasks':
      executor.deployTasks(message.deployment);
      break;
    case 'report-metrics':
      executor.reportMetrics(message.requestId);
      break;
  }
});
