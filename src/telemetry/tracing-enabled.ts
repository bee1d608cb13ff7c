/**
 * Whether the standard OpenTelemetry variables ask for traces: an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an explicit
 * `OTEL_TRACES_EXPORTER` other than `none`, and `OTEL_SDK_DISABLED` not `true`. With none of them
 * the SDK is never loaded, so an untraced node pays nothing for tracing.
 *
 * @example
 * tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }); // true
 * tracingEnabled({});                                                     // false
 */
export function tracingEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const set = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  if (set('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return false;
  const exporters = set('OTEL_TRACES_EXPORTER')
    ?.split(',')
    .map((name) => name.trim().toLowerCase());
  if (exporters !== undefined) return exporters.some((name) => name !== '' && name !== 'none');
  return set('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined || set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined;
}
