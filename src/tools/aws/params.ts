/**
 * zod building blocks for the params the model may pass. Schemas are strict (unknown members are
 * refused with their name) so the model cannot smuggle an unexpected member into an SDK call, and
 * page sizes are clamped rather than refused, because a too-large MaxResults is an honest mistake.
 */
import { z } from 'zod';

export const str = z.string().min(1).max(2048);
export const strs = (max = 100) => z.array(str).max(max);
export const bool = z.boolean();

/** Clamps a page-size hint into the API's range instead of refusing it. */
export const pageSize = (min: number, max: number) =>
  z
    .number()
    .int()
    .transform((n) => Math.min(max, Math.max(min, n)));

/** A timestamp the model writes as ISO text or epoch milliseconds; the SDK wants a Date. */
export const timestamp = z.union([z.string().max(64), z.number()]).transform((v, ctx) => {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${String(v)}` });
    return z.NEVER;
  }
  return d;
});

/** `YYYY-MM-DD`, as Cost Explorer wants its dates. */
export const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
export const dateInterval = z.strictObject({ Start: day, End: day });

/** Structured filters (CE expressions, Security Hub filters …) are passed through as data; they only narrow a read. */
export const filterDoc = z.record(z.string(), z.unknown());
export const filterList = z.array(z.record(z.string(), z.unknown())).max(50);

/** EC2-style `Filters: [{ Name, Values }]`. */
export const ec2Filters = z.array(z.strictObject({ Name: str, Values: strs(200) })).max(50);
export const tagList = z.array(z.strictObject({ Key: str, Values: strs(50).optional() })).max(50);

export const obj = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);
export const none = z.strictObject({});

/** Names of pagination members: hawk pages itself, so the model passing one is a misunderstanding. */
export const PAGINATION_MEMBERS = new Set([
  'NextToken',
  'nextToken',
  'NextPageToken',
  'Marker',
  'NextMarker',
  'PaginationToken',
  'ContinuationToken',
  'StartingToken',
]);
