export { createPseudonymiser, type Pseudonymiser } from './pseudonymise.js';
