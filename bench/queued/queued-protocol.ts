/**
 * What baseline (d)'s server and worker say to each other through Redis lists: one list item per
 * batch each way, JSON (the same text cost as (c)'s JSON tensors, with none of its framing).
 */

/** One V2 input tensor, flat FP32 data: what the bench's requests carry. */
export interface QueuedTensor {
  name: string;
  shape: number[];
  data: number[];
}

/** Pushed by the server to the job list: the requests that arrived together. */
export interface QueuedBatch {
  /** The list the worker pushes the answers to: the server's own. */
  replyTo: string;
  requests: { ticket: number; inputs: QueuedTensor[] }[];
}

/** Pushed by the worker to a server's reply list: one answer per request of a batch. */
export interface QueuedAnswers {
  answers: { ticket: number; outputs: (QueuedTensor & { datatype: string })[] }[];
}

/** The job list of one (d) pair, under the bench's own Redis prefix. */
export const queuedJobsKey = (prefix: string) => `${prefix}d:jobs`;
