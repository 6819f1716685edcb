// A small typed fetch wrapper over the generated schema (src/schema.d.ts):
// paths, path/query parameters, request bodies and success bodies are all
// checked by the compiler. Regenerate the schema with `make client`.
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
export type ErrorBody = Schemas["ErrorBody"];

export type HttpMethod = "get" | "put" | "post" | "delete" | "patch";

/** The paths that have an operation for method M. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: paths[P] extends { [K in M]: object } ? P : never;
}[keyof paths];

/** The operation behind (path, method). */
export type Operation<P extends keyof paths, M extends HttpMethod> = paths[P] extends { [K in M]: infer O } ? O : never;

type PathOption<O> = O extends { parameters: { path: infer PP } } ? { path: PP } : { path?: undefined };
type QueryOption<O> = O extends { parameters: { query?: infer Q } } ? ([Q] extends [never] | [undefined] ? {} : { query?: Q }) : {};
type BodyOption<O> = O extends { requestBody: { content: { "application/json": infer B } } } ? { body: B } : {};

/** What a call needs besides its path: path parameters, query, body. */
export type RequestOptions<O> = PathOption<O> & QueryOption<O> & BodyOption<O> & { signal?: AbortSignal };

type JSONOf<R> = R extends { content: { "application/json": infer B } } ? B : undefined;

/** The body of the operation's 2xx response (undefined for 204). */
export type SuccessBody<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JSONOf<R[S]> : never }[keyof R]
  : never;

/** A non-2xx answer; body is the API's {"detail": ...} error when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(`HTTP ${status}: ${body?.detail ?? "no detail"}`);
    this.name = "ApiError";
  }
}

export interface ClientOptions {
  /** Where the API is mounted, e.g. "http://localhost:8000/api/v1". */
  baseUrl: string;
  /** Bearer access token sent with every request (see setToken). */
  token?: string;
  fetch?: typeof fetch;
}

// A call's options argument may be left out when nothing in it is required.
type Args<O> = {} extends RequestOptions<O> ? [options?: RequestOptions<O>] : [options: RequestOptions<O>];

export interface Client {
  GET<P extends PathsWith<"get">>(path: P, ...args: Args<Operation<P, "get">>): Promise<SuccessBody<Operation<P, "get">>>;
  POST<P extends PathsWith<"post">>(path: P, ...args: Args<Operation<P, "post">>): Promise<SuccessBody<Operation<P, "post">>>;
  PUT<P extends PathsWith<"put">>(path: P, ...args: Args<Operation<P, "put">>): Promise<SuccessBody<Operation<P, "put">>>;
  PATCH<P extends PathsWith<"patch">>(path: P, ...args: Args<Operation<P, "patch">>): Promise<SuccessBody<Operation<P, "patch">>>;
  DELETE<P extends PathsWith<"delete">>(path: P, ...args: Args<Operation<P, "delete">>): Promise<SuccessBody<Operation<P, "delete">>>;
  /** Sets (or clears) the bearer token for later calls. */
  setToken(token: string | undefined): void;
}

interface RawOptions {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

export function createClient(options: ClientOptions): Client {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, "");
  let token = options.token;

  async function request(method: HttpMethod, template: string, opts: RawOptions = {}): Promise<unknown> {
    const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const v = opts.path?.[name];
      if (v === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
      return encodeURIComponent(String(v));
    });
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers["Authorization"] = `Bearer ${token}`;
    const init: RequestInit = { method: method.toUpperCase(), headers };
    if (opts.signal) init.signal = opts.signal;
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    const res = await doFetch(url, init);
    const text = await res.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, data as ErrorBody | undefined);
    return data;
  }

  // The public signatures are checked per call; the shared implementation
  // works on the raw shape.
  const call = (method: HttpMethod) => (path: string, opts?: RawOptions) => request(method, path, opts);
  return {
    GET: call("get"),
    POST: call("post"),
    PUT: call("put"),
    PATCH: call("patch"),
    DELETE: call("delete"),
    setToken(t: string | undefined) {
      token = t;
    },
  } as Client;
}
