// The REST API: JSON in and out, the bearer token (kept for this tab only) when the server asks for one.
import { askToken } from "./dialogs.js";

const KEY = "writeit.token";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.errors = body?.errors || [];
  }
}

export function token() {
  return sessionStorage.getItem(KEY) || "";
}

function headers(json) {
  const out = json ? { "Content-Type": "application/json" } : {};
  if (token()) out.Authorization = `Bearer ${token()}`;
  return out;
}

async function send(method, path, body) {
  return fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
  });
}

let asking = null;

/** The token from the writer; requests refused at the same time share one prompt. */
function obtainToken(problem) {
  asking ||= askToken(problem).finally(() => { asking = null; });
  return asking;
}

/** One request; on 401 ask for the token (until one works or the writer gives up), then retry. */
export async function request(method, path, body) {
  let response = await send(method, path, body);
  let problem = "";
  while (response.status === 401) {
    const given = await obtainToken(problem);
    if (given === null) throw new ApiError(401, { detail: "this server needs its API token" });
    sessionStorage.setItem(KEY, given);
    response = await send(method, path, body);
    problem = "That token was refused.";
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : { detail: data });
  return data;
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);

/** Text of an export, whatever its media type. */
export async function getText(path) {
  const response = await send("GET", path);
  if (response.status === 401) {
    await request("GET", "/api/health");
    return getText(path);
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  return response.text();
}

export function streamUrl(pipelineId, after) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ after: String(after) });
  if (token()) query.set("token", token());
  return `${scheme}//${location.host}/api/pipelines/${encodeURIComponent(pipelineId)}/stream?${query}`;
}
