import { StoreTimeoutError, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('passes the answer or the error through when it comes in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 50)).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 50)).rejects.toThrow('boom');
  });

  it('rejects with a StoreTimeoutError when no answer comes', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withDeadline(never, 10)).rejects.toBeInstanceOf(StoreTimeoutError);
    await expect(withDeadline(never, 10)).rejects.toThrow('Command timed out (no answer within 10 ms)');
  });

  it('takes an answer that is ready by the end of the turn in which the deadline passed', async () => {
    // The answer comes from an I/O-like callback of the turn in which the timer fires.
    const late = new Promise<string>((resolve) => setTimeout(() => setImmediate(() => resolve('late but read')), 10));
    await expect(withDeadline(late, 10)).resolves.toBe('late but read');
  });
});
