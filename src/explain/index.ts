/** `POST /v1/admin/explain`: a dry run of `/v1/check` that says which rule decides and why. */
export { describeSpecificity, type Selector, type Specificity, specificityOf, winReason } from './explain-reason.js';
export {
  ExplainDecisionDto,
  ExplainedRuleDto,
  ExplainLimitDto,
  ExplainPolicyDto,
  ExplainQueryDto,
  ExplainResponseDto,
  ExplainWinnerDto,
} from './explain-response.dto.js';
export { EXPLAIN_PATH, ExplainController } from './explain.controller.js';
export { ExplainModule, type ExplainModuleOptions } from './explain.module.js';
export { ExplainService } from './explain.service.js';
