import { FoldedLog } from './folded-log.js';

describe('FoldedLog', () => {
  it('logs the first event of a kind, folds the rest of the period, and reports the count on the next line', () => {
    let clock = 0;
    const lines: string[] = [];
    const log = new FoldedLog(1_000, () => clock);
    const event = (kind: string) => log.report(kind, (folded) => lines.push(`${kind} +${folded}`));
    event('a');
    event('a');
    event('b');
    clock = 999;
    event('a');
    expect(lines).toEqual(['a +0', 'b +0']);
    clock = 1_000;
    event('a');
    event('b');
    expect(lines).toEqual(['a +0', 'b +0', 'a +2', 'b +0']);
  });

  it('hands the folded count to another line with take(), once', () => {
    let clock = 0;
    const log = new FoldedLog(1_000, () => clock);
    log.report('store', () => undefined);
    log.report('store', () => undefined);
    log.report('store', () => undefined);
    expect(log.take('store')).toBe(2);
    expect(log.take('store')).toBe(0);
    clock = 5_000;
    const seen: number[] = [];
    log.report('store', (folded) => seen.push(folded));
    expect(seen).toEqual([0]);
  });
});
