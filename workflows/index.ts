export { triageWorkflow } from './triage';
