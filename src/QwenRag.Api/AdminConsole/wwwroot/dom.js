// Builds elements from text nodes only: every text goes in as a text node.

/**
 * h('button', { type: 'button', dataset: { testid: 'x' }, onclick }, 'text', child...)
 * Attributes: 'class', 'dataset', 'on*' handlers, booleans (true sets, false/null/undefined skips), others as strings.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') {
      for (const [key, data] of Object.entries(value)) {
        if (data !== undefined && data !== null) element.dataset[key] = String(data);
      }
    } else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value') {
      element.value = value;
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A test id as the console's DOM contract names it. */
export const tid = (id) => ({ testid: id });

let counter = 0;
export const uniqueId = (prefix) => `${prefix}-${++counter}`;

/** A labelled control: <div class="field"><label for=id>text</label>control</div>. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uniqueId('f');
  const label = h('label', { for: control.id }, labelText);
  if (hint) {
    const hintId = uniqueId('hint');
    control.setAttribute('aria-describedby', hintId);
    return h('div', { class: 'field' }, label, control, h('span', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, label, control);
}

/** A table cell with the column name for the phone card layout. */
export function cell(label, col, ...children) {
  return h('td', { 'data-label': label, 'data-col': col, class: col && ['documents', 'pages', 'chunks', 'progress', 'attempts'].includes(col) ? 'num' : undefined }, ...children);
}

export function formatTime(value) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return h('time', { datetime: date.toISOString() }, date.toLocaleString());
}
