// Procedures about the signed-in session itself (session.me) read the request's cookie: the
// route handler and the server-side proxy pass the request's headers in the context.
declare module "@/server/trpc/context" {
  interface TRPCContext {
    /** The request's headers; absent for callers made in process (tests, scripts). */
    requestHeaders?: Headers;
  }
}

export {};
