/**
 * Typing helpers for the per-service files: each operation is declared against the SDK's own types,
 * so a shaper that reads a member the SDK does not have, or a group key of the wrong type, fails to
 * compile instead of silently grouping by `undefined`.
 */
import type { OperationSpec } from '../spec.js';

/**
 * Declares one operation against its SDK types: `Page` is the command's output
 * (`DescribeInstancesCommandOutput`), `Item` one list item (`Instance`), `Summary` what a hand-written
 * item shaper returns (defaults to `Item`, for field allow-lists).
 *
 * The registry holds every spec with its types erased: the runner hands a spec only the pages of its
 * own command, a pairing TypeScript cannot follow through a `service:Operation` lookup. This is the
 * one place that erasure is written down.
 */
export function sdkOp<Page, Item = unknown, Summary = Item>(spec: OperationSpec<Page, Item, Summary>): OperationSpec {
  return spec as unknown as OperationSpec;
}
