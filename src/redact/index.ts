export { createRedactor, type Redactor, type RedactResult } from "./redactor.js";
export { type RedactionOptions } from "./options.js";
export { type CustomDetector, type Span } from "./scanner.js";
export { decryptRedacted, OPERATORS, type Operator } from "./operators.js";
export { BUILTIN_ENTITIES } from "./detectors.js";
export { DEFAULT_SENSITIVE_KEYS } from "./keys.js";
