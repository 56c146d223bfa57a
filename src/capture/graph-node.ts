/** Which chain runs are LangGraph nodes a reader follows (recorded at debug by the handler). */

/** createAgent's own graph nodes: their model and tool calls are recorded as llm_* and tool_*. */
const AGENT_NODES = new Set(["__start__", "__end__", "model_request", "tools"]);
const MIDDLEWARE_NODE = /\.(?:before|after)_(?:agent|model)$/;

/**
 * `{node, step}` when a chain run is a LangGraph node itself (not a runnable inside one, which
 * inherits the node's metadata): the nodes of a user's StateGraph, which are the steps a reader
 * follows. Undefined for other chains and for createAgent's internal nodes.
 */
export function graphNode(name: string, metadata: Record<string, unknown> | undefined): { node: string; step?: number } | undefined {
  const node = metadata?.langgraph_node;
  if (typeof node !== "string" || node !== name || AGENT_NODES.has(node) || MIDDLEWARE_NODE.test(node)) return undefined;
  const step = metadata?.langgraph_step;
  return typeof step === "number" ? { node, step } : { node };
}
