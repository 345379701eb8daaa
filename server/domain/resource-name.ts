import { z } from "zod";

/** Names of models, feature sets and deployments appear in URLs and inference paths: keep them DNS-label-like. */
export const ZResourceName = z
  .string()
  .trim()
  .min(1, "name is required")
  .max(63, "name must be at most 63 characters")
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    "name may contain lowercase letters, digits and inner hyphens only",
  );
