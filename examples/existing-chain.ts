// Drop the handler into an existing LCEL chain. Offline: the model is LangChain's fake list model.
// Run: npm run build && npx tsx examples/existing-chain.ts   (then: npx agent-audit sessions)
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { AuditCallbackHandler, getDefaultTrail } from "agent-audit-trail";

const chain = ChatPromptTemplate.fromMessages([["human", "Tell me about {topic}"]])
  .pipe(new FakeListChatModel({ responses: ["Paris is the capital of France."] }))
  .pipe(new StringOutputParser());

const handler = new AuditCallbackHandler({ userId: "user_456" }); // records to ./.audit/
const answer = await chain.invoke({ topic: "Paris" }, { callbacks: [handler], metadata: { session_id: "sess_chain_example" } });
console.log(answer);
console.log(getDefaultTrail().stats());
