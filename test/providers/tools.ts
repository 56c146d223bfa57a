/** The tool every provider test offers the model: the fixtures' tool calls name it. */
import { tool } from "@langchain/core/tools";
import * as z from "zod";

export const weather = tool(async ({ city }: { city: string }) => `18°C in ${city}`, {
  name: "get_weather",
  description: "Current weather in a city",
  schema: z.object({ city: z.string() }),
});
