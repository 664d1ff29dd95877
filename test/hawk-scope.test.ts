import { describe, expect, it } from 'vitest';
import { refusalFor } from '../src/tools/aws/index.js';
import { REGISTRY } from '../src/tools/aws/registry.js';

/** Parameters the model must not use to reach beyond the account bound to the channel. */
describe('hawk account scope', () => {
  it('pins every S3 bucket call to the bound account as expected owner, and refuses a model-chosen owner', () => {
    const bucketOps = [...REGISTRY.values()].filter((s) => s.service === 's3' && s.operation !== 'ListBuckets');
    expect(bucketOps.length).toBeGreaterThanOrEqual(5);
    for (const spec of bucketOps)
      expect(spec.fixedInput?.({ Bucket: 'b' }, '123456789012')).toEqual({ ExpectedBucketOwner: '123456789012' });
    expect(
      refusalFor({
        service: 's3',
        operation: 'GetBucketVersioning',
        params: { Bucket: 'their-bucket', ExpectedBucketOwner: '999999999999' },
      }),
    ).toMatch(/Invalid params/);
  });

  it('refuses GetMetricData queries that name another account', () => {
    const query = {
      Id: 'q1',
      MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' }, Period: 300, Stat: 'Average' },
    };
    const params = { StartTime: '2026-11-24T00:00:00Z', EndTime: '2026-11-25T00:00:00Z' };
    expect(
      refusalFor({ service: 'cloudwatch', operation: 'GetMetricData', params: { ...params, MetricDataQueries: [query] } }),
    ).toBeUndefined();
    expect(
      refusalFor({
        service: 'cloudwatch',
        operation: 'GetMetricData',
        params: { ...params, MetricDataQueries: [{ ...query, AccountId: '999999999999' }] },
      }),
    ).toMatch(/AccountId is not allowed/);
  });
});
