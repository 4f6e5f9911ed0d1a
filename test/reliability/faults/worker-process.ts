/**
 * One worker Lambda in a process of its own, so a test can kill it mid-job (SIGKILL: no catch, no finally, no fail_job),
 * as a crashed or timed-out container dies. Argument: the queue and the job id; the environment is the stack's.
 */
import { queueFunctions } from '../../../functions/manifest.ts';
import { invokeLambda } from '../../../local/invoke.ts';

const [queue, jobId] = process.argv.slice(2);
const worker = queueFunctions().find((fn) => fn.trigger.queue === queue);
if (!worker || !jobId) throw new Error(`usage: worker-process.ts <queue> <job id> (no worker for ${queue})`);
await invokeLambda(worker, {
  Records: [{
    messageId: `killed-${jobId}`, receiptHandle: 'none', body: JSON.stringify({ job_id: jobId }), md5OfBody: '', eventSource: 'aws:sqs',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'test', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {}, eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`, awsRegion: 'us-east-1',
  }],
});
process.exit(0);
