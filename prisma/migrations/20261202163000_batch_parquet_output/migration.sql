-- A Parquet input's batch output is Parquet (issue 10: "the input's format"). Postgres 12+ adds an
-- enum value inside a transaction; nothing in this migration uses it.
ALTER TYPE "BatchOutputFormat" ADD VALUE 'parquet';
