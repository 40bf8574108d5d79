// A small fetch wrapper for tests: JSON in, JSON (or text) out, status and headers kept.

export type HttpResponse = {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test code reads arbitrary response bodies.
  body: any;
};

export type RequestOptions = {
  token?: string;
  body?: unknown;
  /** Sent as is, with `contentType` (default application/json). */
  rawBody?: string | Uint8Array;
  contentType?: string | null;
  headers?: Record<string, string>;
};

export const httpClient = (baseUrl: string) => {
  const request = async (
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && options.contentType !== null) {
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body ? { body } : {}) });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      headers: response.headers,
      body: type.includes('json') && text !== '' ? JSON.parse(text) : text,
    };
  };
  return {
    request,
    get: (path: string, options?: RequestOptions) => request('GET', path, options),
    post: (path: string, body: unknown, options?: RequestOptions) =>
      request('POST', path, { ...options, body }),
    put: (path: string, body: unknown, options?: RequestOptions) =>
      request('PUT', path, { ...options, body }),
  };
};

export type HttpClient = ReturnType<typeof httpClient>;
