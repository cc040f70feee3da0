/** Hash routes: `#/sources`, `#/run`, `#/ledger?run=&source=&status=`, `#/quota`, `#/table/<id>`. */
export type Route =
  | { readonly page: 'sources' }
  | { readonly page: 'run' }
  | { readonly page: 'ledger'; readonly params: URLSearchParams }
  | { readonly page: 'quota' }
  | { readonly page: 'table'; readonly id: string | undefined };

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = text.split('?', 2);
  const [page, ...rest] = path.split('/');
  switch (page) {
    case 'run':
      return { page: 'run' };
    case 'ledger':
      return { page: 'ledger', params: new URLSearchParams(search) };
    case 'quota':
      return { page: 'quota' };
    case 'table': {
      const id = rest.join('/');
      return { page: 'table', id: id === '' ? undefined : decodeURIComponent(id) };
    }
    default:
      return { page: 'sources' };
  }
}

export const tableHref = (id: string): string => `#/table/${encodeURIComponent(id)}`;

export function ledgerHref(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text === '' ? '#/ledger' : `#/ledger?${text}`;
}

export function navigate(hash: string, replace = false): void {
  if (replace) history.replaceState(null, '', hash);
  else location.hash = hash;
  if (replace) dispatchEvent(new HashChangeEvent('hashchange'));
}
