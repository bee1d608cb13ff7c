import { MAX_RESOURCE_LENGTH } from './check-request.js';
import { originalResource } from './original-resource.js';

const resourceOf = (method: string | undefined, uri: string | undefined) => originalResource(method, uri);

describe('originalResource', () => {
  it('is "<METHOD> <path>" without the query or a fragment', () => {
    expect(resourceOf('GET', '/search?q=floodgate&page=2')).toEqual({ resource: 'GET /search' });
    expect(resourceOf('POST', '/orders')).toEqual({ resource: 'POST /orders' });
    expect(resourceOf('GET', '/')).toEqual({ resource: 'GET /' });
    expect(resourceOf('GET', '/docs#intro')).toEqual({ resource: 'GET /docs' });
  });

  it('counts HEAD as GET, as a guarded route does', () => {
    expect(resourceOf('HEAD', '/search')).toEqual({ resource: 'GET /search' });
  });

  it('normalises the path as nginx does before it routes, so a rule cannot be stepped around', () => {
    const paths = {
      '/%73earch': '/search',
      '//search': '/search',
      '/a//b///c': '/a/b/c',
      '/x/../search': '/search',
      '/./search/.': '/search/',
      '/a/b/..': '/a/',
      '/a/%2e%2e/search': '/search',
      '/search/': '/search/',
      '/caf%C3%A9?x=%ZZ': '/café',
    };
    const resources = Object.fromEntries(
      Object.keys(paths).map((uri) => [uri, (resourceOf('GET', uri) as { resource: string }).resource]),
    );
    expect(resources).toEqual(Object.fromEntries(Object.entries(paths).map(([uri, path]) => [uri, `GET ${path}`])));
  });

  it('names each missing header with what nginx should send in it', () => {
    expect(resourceOf(undefined, undefined)).toEqual({
      errors: [
        { field: 'X-Original-Method', reason: 'is required: the method of the request ($request_method)' },
        { field: 'X-Original-URI', reason: 'is required: the URI of the request ($request_uri)' },
      ],
    });
  });

  it('refuses what is no method and no path, with the reason', () => {
    const reasons = Object.fromEntries(
      (
        [
          ['G ET', '/'],
          ['', '/'],
          ['GET', 'search'],
          ['GET', 'http://example.com/search'],
          ['GET', '/a b'],
          ['GET', '/caf\u00e9'],
          ['GET', '/%E0%A4%A'],
          ['GET', '/%C3'],
          ['GET', '/a%00b'],
          ['GET', '/a%0Ab'],
          ['GET', '/../etc/passwd'],
          ['GET', '/a/../../b'],
        ] as const
      ).map(([method, uri]) => {
        const answer = resourceOf(method, uri);
        return [`${method} ${uri}`, 'errors' in answer ? answer.errors : answer];
      }),
    );
    const method = [{ field: 'X-Original-Method', reason: 'must be an HTTP method (a token of 1 to 32 characters)' }];
    const uri = (reason: string) => [{ field: 'X-Original-URI', reason }];
    expect(reasons).toEqual({
      'G ET /': method,
      ' /': method,
      'GET search': uri('must be a path starting with "/" (nginx\'s $request_uri)'),
      'GET http://example.com/search': uri('must be a path starting with "/" (nginx\'s $request_uri)'),
      'GET /a b': uri('must be printable ASCII, anything else percent-encoded'),
      'GET /caf\u00e9': uri('must be printable ASCII, anything else percent-encoded'),
      'GET /%E0%A4%A': uri('has a percent-escape that is malformed or not UTF-8'),
      'GET /%C3': uri('has a percent-escape that is malformed or not UTF-8'),
      'GET /a%00b': uri('decodes to a control character'),
      'GET /a%0Ab': uri('decodes to a control character'),
      'GET /../etc/passwd': uri('climbs above the root with ".."'),
      'GET /a/../../b': uri('climbs above the root with ".."'),
    });
  });

  it('takes a resource up to the length a check takes, and refuses a longer one', () => {
    const longest = `/${'a'.repeat(MAX_RESOURCE_LENGTH - 'GET /'.length)}`;
    expect(resourceOf('GET', `${longest}?q=1`)).toEqual({ resource: `GET ${longest}` });
    expect(resourceOf('GET', `${longest}a`)).toEqual({
      errors: [
        {
          field: 'X-Original-URI',
          reason: `makes a resource ("METHOD /path") over ${MAX_RESOURCE_LENGTH} characters, the longest a check takes`,
        },
      ],
    });
  });
});
