-- AlterEnum: a traffic change that brings back any earlier revision's target.
ALTER TYPE "RevisionStrategy" ADD VALUE 'restore';
