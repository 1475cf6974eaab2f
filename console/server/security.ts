/**
 * What guards every request: Basic auth, the security headers (a strict
 * Content-Security-Policy: only this origin, no inline script or style), and
 * the cross-site request check on POSTs (same-origin fetch metadata plus a
 * token the page carries in a header).
 *
 * @module
 */

/** Only this origin: no CDN, no inline code, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
});

/** The header a page sends its CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compares two strings in time independent of where they differ (both are hashed first). */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** Checks Basic-auth credentials against one user. */
export class Guard {
  #username: string;
  #password: string;
  #csrf: Promise<string>;

  /** Guards with this user and password. */
  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
    // derived from the password: stable across restarts, unguessable without it
    this.#csrf = crypto.subtle
      .importKey("raw", encoder.encode(password), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then((key) => crypto.subtle.sign("HMAC", key, encoder.encode(`tickpipe-console-csrf:${username}`)))
      .then((mac) => Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join(""));
  }

  /** The token pages send in {@linkcode CSRF_HEADER}. */
  csrfToken(): Promise<string> {
    return this.#csrf;
  }

  /** Whether `request` carries this user's Basic credentials. */
  async authorized(request: Request): Promise<boolean> {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!match) return false;
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)));
    } catch {
      return false;
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const [userOk, passOk] = await Promise.all([
      sameSecret(decoded.slice(0, colon), this.#username),
      sameSecret(decoded.slice(colon + 1), this.#password),
    ]);
    return userOk && passOk;
  }

  /**
   * Why a state-changing request must be refused as cross-site, or `undefined` when it may pass: it must
   * come from this origin (Origin and Sec-Fetch-Site, when the browser sends them) and carry the token.
   */
  async crossSiteReason(request: Request): Promise<string | undefined> {
    const url = new URL(request.url);
    const origin = request.headers.get("origin");
    if (origin !== null && origin !== url.origin) return `origin "${origin}" is not this console's`;
    const site = request.headers.get("sec-fetch-site");
    if (site !== null && site !== "same-origin") return `Sec-Fetch-Site is "${site}"`;
    const token = request.headers.get(CSRF_HEADER);
    if (token === null) return `header ${CSRF_HEADER} is missing`;
    if (!(await sameSecret(token, await this.#csrf))) return `header ${CSRF_HEADER} does not match`;
    return undefined;
  }
}
