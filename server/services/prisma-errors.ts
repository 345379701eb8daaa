import { Prisma } from "@/generated/prisma/client";

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/**
 * The database cannot be reached, is gone or dropped the connection (Prisma's P1 codes): an outage
 * the caller may retry after, unlike a failed query, which is a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return (
    (error instanceof Prisma.PrismaClientKnownRequestError && error.code.startsWith("P1")) ||
    error instanceof Prisma.PrismaClientInitializationError
  );
}
