/** The admin audit log of every non-rule admin write, and `GET /v1/admin/audit`. */
export {
  AdminAuditLog,
  AUDIT_TARGETS,
  type AuditEntry,
  type AuditQuery,
  type AuditRecord,
  type AuditTarget,
} from './admin-audit.js';
export { AuditController } from './audit.controller.js';
export { AuditModule } from './audit.module.js';
