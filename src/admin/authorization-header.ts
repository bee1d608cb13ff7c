/** What an `Authorization` header holds, as far as admin authentication is concerned. */
export type Credential =
  { readonly kind: 'missing' } | { readonly kind: 'malformed' } | { readonly kind: 'bearer'; readonly token: string };

// RFC 7235: the scheme is case-insensitive; the token is one run of visible ASCII.
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

/** Reads `Authorization: Bearer <token>`; any other scheme or shape is `malformed`. */
export function readCredential(header: unknown): Credential {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (typeof header !== 'string') return { kind: 'malformed' };
  const token = BEARER.exec(header)?.[1];
  return token === undefined ? { kind: 'malformed' } : { kind: 'bearer', token };
}
