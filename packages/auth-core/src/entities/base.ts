import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

/** `id`, `createdAt` and `updatedAt`, shared by every entity that has them. */
export const baseProperties = {
  id: p
    .uuid()
    .primary()
    .onCreate(() => randomUUID()),
  createdAt: p.datetime().onCreate(() => new Date()),
  updatedAt: p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date()),
};
