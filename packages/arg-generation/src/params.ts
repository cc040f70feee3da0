import { templatePlaceholders, type DataSource, type Scalar } from '@dsync/datasource';

/**
 * The values of a source's `each` parameters, one object per combination (one empty object
 * when it has none): every request the strategy makes is made once with each.
 */
export function eachCombinations(source: DataSource): Record<string, Scalar>[] {
  let combinations: Record<string, Scalar>[] = [{}];
  for (const [name, spec] of Object.entries(source.params)) {
    if (spec.kind !== 'each') continue;
    combinations = combinations.flatMap((c) => spec.values.map((v) => ({ ...c, [name]: v })));
  }
  return combinations;
}

/**
 * A request's parameters: the definition's fixed values, what the strategy set, the
 * user's values for input parameters, the first page's size, then templates filled from
 * all of these.
 */
export function requestParams(
  source: DataSource,
  set: Readonly<Record<string, Scalar>>,
  inputs: Readonly<Record<string, Scalar>> = {},
): Record<string, Scalar> {
  const params: Record<string, Scalar> = {};
  for (const [name, spec] of Object.entries(source.params)) {
    if (spec.kind === 'fixed') params[name] = spec.value;
    else if (spec.kind === 'input' && inputs[name] !== undefined) params[name] = inputs[name];
  }
  Object.assign(params, set);
  Object.assign(params, firstPageParams(source));
  for (const [name, spec] of Object.entries(source.params)) {
    if (spec.kind !== 'template') continue;
    params[name] = templatePlaceholders(spec.template).reduce(
      (text, placeholder) => text.replaceAll(`{${placeholder}}`, String(params[placeholder] ?? '')),
      spec.template,
    );
  }
  return params;
}

/** The page size a source's first request asks for (offset paging) or sets (cursor paging). */
export function firstPageParams(source: DataSource): Record<string, Scalar> {
  const { pagination } = source;
  if (pagination.kind === 'offset') return { [pagination.limitParam]: pagination.pageSize };
  if (pagination.kind === 'cursor') return { [pagination.pageSizeParam]: pagination.pageSize };
  return {};
}
