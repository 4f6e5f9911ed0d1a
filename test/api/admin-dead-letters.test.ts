import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, waitFor, type TestApi } from '../api.ts';

let api: TestApi;
let admin: { token: string; userId: string };
beforeAll(async () => {
  api = await startTestApi('api_admin_dlq');
  admin = await api.signUp({ roles: ['admin'] });
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const sqs = () => api.stack.queues;
const jobOf = async (id: string) => (await service((tx) => tx`SELECT status, retry_count FROM job_queue WHERE id = ${id}`))[0]!;

/** A quota_reset job of the user's that failed for good, with its message in the maintenance DLQ as the worker puts it there. */
async function deadJob(userId: string): Promise<string> {
  const [job] = await service((tx) => tx`SELECT create_job(${userId}, 'quota_reset', ${tx.json({ run: Math.random() })}, 5, now()) AS id`);
  const id = job!.id as string;
  await service((tx) => tx`UPDATE job_queue SET status = 'failed', completed_at = now(), error_message = 'the database was down' WHERE id = ${id}`);
  await sqs().client.send(new SendMessageCommand({
    QueueUrl: sqs().dlqUrls.maintenance, MessageBody: JSON.stringify({ job_id: id }),
    MessageAttributes: { job_kind: { DataType: 'String', StringValue: 'quota_reset' },
      failure_reason: { DataType: 'String', StringValue: 'the database was down' }, attempts: { DataType: 'Number', StringValue: '4' } },
  }));
  return id;
}

describe('admin dead letters: inspect and redrive through the SQS emulator', () => {
  it('lists a DLQ’s messages with their job and reason, and leaves them there', async () => {
    const { userId } = await api.signUp();
    const id = await deadJob(userId);
    const look = async () => (await api.request('GET', '/admin-dead-letters?queue=maintenance', { token: admin.token })).body;
    const first = await look();
    expect(first.queue).toBe('maintenance');
    expect(first.messages).toContainEqual(expect.objectContaining({ job_id: id, job_kind: 'quota_reset', failure_reason: 'the database was down', attempts: 4 }));
    // A look hides nothing: the next one sees the same message.
    expect((await look()).messages.map((m: { job_id: string }) => m.job_id)).toContain(id);
    expect((await api.request('GET', '/admin-dead-letters?queue=nope', { token: admin.token })).status).toBe(400);
  });

  it('redrives one message: its job gets one more attempt, the worker runs it, the DLQ no longer holds it; audited', async () => {
    const { userId } = await api.signUp();
    const id = await deadJob(userId);
    const other = await deadJob(userId);
    const listed = (await api.request('GET', '/admin-dead-letters?queue=maintenance&limit=100', { token: admin.token })).body.messages;
    const message = listed.find((m: { job_id: string }) => m.job_id === id);

    const res = await api.request('POST', '/admin-dead-letters-redrive', { token: admin.token, body: { queue: 'maintenance', message_id: message.message_id } });
    expect(res.status).toBe(200);
    expect(res.body.redriven).toEqual([{ message_id: message.message_id, job_id: id, outcome: 'requeued' }]);
    await waitFor(async () => (await jobOf(id)).status === 'completed');
    expect((await jobOf(other)).status).toBe('failed');
    const [audit] = await service((tx) => tx`SELECT actor_id, user_id, action, old_values, new_values FROM audit_log WHERE entity_id = ${id}`);
    expect(audit).toMatchObject({ actor_id: admin.userId, user_id: userId, action: 'redrive', old_values: { status: 'failed' },
      new_values: { status: 'pending', outcome: 'requeued' } });
    const remaining = (await api.request('GET', '/admin-dead-letters?queue=maintenance&limit=100', { token: admin.token })).body.messages
      .map((m: { job_id: string }) => m.job_id);
    expect(remaining).not.toContain(id);
    expect(remaining).toContain(other);
    expect((await api.request('POST', '/admin-dead-letters-redrive', { token: admin.token, body: { queue: 'maintenance', message_id: 'no-such-message' } })).status).toBe(404);
  }, 30_000);

  it('redrives them all: every failed job runs again, and a message that names no job goes back as it is', async () => {
    const { userId } = await api.signUp();
    const jobs = [await deadJob(userId), await deadJob(userId)];
    await sqs().client.send(new SendMessageCommand({ QueueUrl: sqs().dlqUrls.maintenance, MessageBody: 'poison' }));
    const res = await api.request('POST', '/admin-dead-letters-redrive', { token: admin.token, body: { queue: 'maintenance' } });
    expect(res.status).toBe(200);
    expect(res.body.redriven).toEqual(expect.arrayContaining([
      expect.objectContaining({ job_id: jobs[0], outcome: 'requeued' }), expect.objectContaining({ job_id: jobs[1], outcome: 'requeued' }),
      expect.objectContaining({ job_id: null, outcome: 'not_a_job' })]));
    for (const id of jobs) await waitFor(async () => (await jobOf(id)).status === 'completed');
    const { Messages = [] } = await sqs().client.send(new ReceiveMessageCommand({ QueueUrl: sqs().dlqUrls.maintenance, MaxNumberOfMessages: 10 }));
    expect(Messages.map((m) => m.Body)).not.toContain(JSON.stringify({ job_id: jobs[0] }));
  }, 30_000);
});
