-- Session-run durations per run (issue 8, overhead over plain onnxruntime). Rows folded before
-- this have none (NULL): their runs read as not timed rather than as zero-length.
ALTER TABLE "MetricRollup" ADD COLUMN "runComputeBuckets" INTEGER[];
