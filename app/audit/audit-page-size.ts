/** Audit events per page: the page's infinite query and the server's prefetch of its first page. */
export const AUDIT_PAGE_SIZE = 50;
