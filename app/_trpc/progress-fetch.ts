/**
 * A fetch for uploads that reports how many bytes have left the browser: fetch() has no
 * upload progress, XMLHttpRequest does. Only what tRPC's httpLink uses is supported.
 */
export function createProgressFetch(onProgress: (fraction: number) => void): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(
        init?.method ?? "GET",
        typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
      );
      new Headers(init?.headers).forEach((value, key) => xhr.setRequestHeader(key, value));
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        onProgress(1);
        resolve(
          new Response(xhr.responseText, {
            status: xhr.status,
            statusText: xhr.statusText,
            headers: { "content-type": xhr.getResponseHeader("content-type") ?? "application/json" },
          }),
        );
      };
      xhr.onerror = () => reject(new TypeError("the upload failed: network error"));
      xhr.onabort = () => reject(new DOMException("the upload was cancelled", "AbortError"));
      init?.signal?.addEventListener("abort", () => xhr.abort());
      xhr.send(init?.body as XMLHttpRequestBodyInit | null | undefined);
    });
}
