/** HTTP helpers for the serve tests (not library code). */

/** Status, parsed JSON body (undefined when not JSON) and headers of a response. */
export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** fetch + JSON parse. */
export async function request<T = unknown>(url: string, init?: RequestInit): Promise<JsonResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** A JSON request with a method and a body. */
export function sendJson<T = unknown>(url: string, method: string, body: unknown): Promise<JsonResponse<T>> {
  return request<T>(url, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
