/** The live chart's span in minutes: the page's query and the server's prefetch of it. */
export const LIVE_TRAFFIC_MINUTES = 30;
