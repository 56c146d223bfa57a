/** The delivery options a remote sink accepts (on the trail, or on the sink itself). */
import * as z from "zod";

export const deliveryOptionsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(100_000).optional(),
    batchBytes: z.number().int().min(1024).optional(),
    lingerMs: z.number().min(0).optional(),
    timeoutMs: z.number().positive().optional(),
    initialBackoffMs: z.number().positive().optional(),
    maxBackoffMs: z.number().positive().optional(),
    maxElapsedMs: z.number().positive().optional(),
  })
  .strict();
