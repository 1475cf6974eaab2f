/**
 * The one error type for S3 failures, with a message that says what to do.
 *
 * @module
 */

/** An S3 request failed. `retriable` says whether trying again may help. */
export class S3Error extends Error {
  /** Whether the same request may succeed later (throttling, 5xx, network). */
  readonly retriable: boolean;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;

  /** Wraps `cause` with a message naming the action and the fix. */
  constructor(message: string, options: { cause: unknown; retriable: boolean; status?: number | undefined }) {
    super(message, { cause: options.cause });
    this.name = "S3Error";
    this.retriable = options.retriable;
    this.status = options.status;
  }
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Turns an AWS SDK error into an {@linkcode S3Error} whose message names the
 * action, the bucket/key, what went wrong and what to do.
 */
export function toS3Error(
  error: unknown,
  action: string,
  where: { bucket: string; key?: string; endpoint?: string | undefined },
): S3Error {
  if (error instanceof S3Error) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? "Error";
  const target = where.key === undefined ? `bucket "${where.bucket}"` : `"s3://${where.bucket}/${where.key}"`;
  const server = where.endpoint ?? "AWS S3";
  const prefix = `Cannot ${action} ${target} at ${server}`;
  let hint: string;
  let retriable = false;
  if (name === "NotCapable" || name === "PermissionDenied") {
    hint = `a Deno permission is missing (${e.message ?? name}); add it to the task's flags`;
  } else if (name === "CredentialsProviderError" || /credential/i.test(e.message ?? "")) {
    hint = "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)";
  } else if (name === "NoSuchBucket" || (status === 404 && where.key === undefined)) {
    hint = `the bucket does not exist; create it or set S3_BUCKET to an existing bucket`;
  } else if (
    status === 403 || name === "AccessDenied" || name === "Forbidden" || name === "InvalidAccessKeyId" ||
    name === "SignatureDoesNotMatch"
  ) {
    hint =
      `access denied (${name}); check the credentials and that the IAM policy allows s3:ListBucket on the bucket and s3:PutObject/s3:GetObject on its objects`;
  } else if (status === 301 || name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed") {
    hint = `the bucket is in another region (${name}); set AWS_REGION to the bucket's region`;
  } else if (status !== undefined && (status >= 500 || status === 429 || status === 408)) {
    hint = `the server answered ${status} (${name}); retrying may help`;
    retriable = true;
  } else if (status === undefined) {
    const code = e.code ?? name;
    hint = `no answer (${code}: ${e.message ?? "unknown"}); check AWS_ENDPOINT_URL_S3 and that the server is running`;
    retriable = true;
  } else {
    hint = `the server answered ${status} (${name}: ${e.message ?? ""})`;
  }
  if (e.$retryable !== undefined) retriable = true;
  return new S3Error(`${prefix}: ${hint}`, { cause: error, retriable, status });
}
