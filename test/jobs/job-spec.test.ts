/** The job spec parser's guard against documents no job needs (the fuzzer's 2 MB of nested YAML took seconds). */
import { describe, expect, it } from 'vitest';
import { MAX_JOB_BYTES, parseJobSpec } from '../../pipeline/jobs/job-spec.js';

describe('parseJobSpec', () => {
  it('refuses a document over the size a job may have before parsing it', () => {
    const nested = `${'- '.repeat(1000)}x\n`.repeat(Math.ceil((MAX_JOB_BYTES + 1) / 2001));
    expect(() => parseJobSpec(nested, 'big.yaml')).toThrow(new RegExp(`^job big\\.yaml: \\d+ characters, more than a job may have \\(${MAX_JOB_BYTES}\\)$`));
  });
});
