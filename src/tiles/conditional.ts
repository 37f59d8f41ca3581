import type { FastifyRequest } from 'fastify';

/** The server's own address as the client reached it, for the absolute URLs TileJSON and styles need. */
export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** Whether If-None-Match names this entity tag (weak or strong, or any with `*`). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === etag;
  });
}
