/**
 * Follows an operation's pages up to the page cap, handing each page to `onPage` and keeping none:
 * the caller shapes a page and lets it go, so 500 pages cost the memory of one.
 */
import { at } from './shape.js';
import type { OperationSpec, SdkClient } from './spec.js';

export interface PageRun {
  pages: number;
  /** More pages existed after the cap. */
  truncated: boolean;
}

export async function followPages(
  spec: OperationSpec,
  client: SdkClient,
  input: Record<string, unknown>,
  maxPages: number,
  abortSignal: AbortSignal,
  onPage: (page: unknown) => void,
  /** Runs before every request (page); throwing stops the call there (Cost Explorer's budget). */
  beforeRequest?: () => Promise<void>,
): Promise<PageRun> {
  const paging = spec.paging;
  if (beforeRequest) client = gated(client, beforeRequest);
  if (!paging) {
    onPage(await client.send(new spec.command(input), { abortSignal }));
    return { pages: 1, truncated: false };
  }
  const omitSize = paging.noSizeWith?.some((k) => input[k] !== undefined) ?? false;
  const base = { ...input };
  if (omitSize && paging.sizeParam) delete base[paging.sizeParam];
  const pageSize = omitSize || !paging.sizeParam ? undefined : ((base[paging.sizeParam] as number | undefined) ?? paging.pageSize);

  let pages = 0;
  if (paging.paginator) {
    // The SDK paginator: it passes the extra argument ({ abortSignal }) to every send.
    for await (const page of paging.paginator({ client, pageSize }, { ...base }, { abortSignal })) {
      onPage(page);
      pages++;
      if (pages >= maxPages) return { pages, truncated: Boolean(at(page, paging.output)) };
    }
    return { pages, truncated: false };
  }
  // No SDK paginator (Cost Explorer, Compute Optimizer): loop on the token ourselves.
  let token: unknown;
  for (;;) {
    const req = {
      ...base,
      ...(token !== undefined && { [paging.input]: token }),
      ...(pageSize !== undefined && paging.sizeParam && { [paging.sizeParam]: pageSize }),
    };
    const page = await client.send(new spec.command(req), { abortSignal });
    onPage(page);
    pages++;
    const next = at(page, paging.output);
    if (!next || next === token) return { pages, truncated: false };
    if (pages >= maxPages) return { pages, truncated: true };
    token = next;
  }
}

/**
 * The client with `beforeRequest` run ahead of each send. The SDK's paginators check
 * `client instanceof XClient`, so this is an object inheriting from the real client (not a copy),
 * whose own `send` waits for the gate first.
 */
function gated(client: SdkClient, beforeRequest: () => Promise<void>): SdkClient {
  const wrapped = Object.create(client) as SdkClient;
  wrapped.send = async (...args: Parameters<SdkClient['send']>) => {
    await beforeRequest();
    return client.send(...args);
  };
  return wrapped;
}
