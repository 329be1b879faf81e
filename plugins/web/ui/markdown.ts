/**
 * Agent Markdown to DOM, safely: every piece of text becomes a text node, never HTML, so a reply
 * like `<img src=x onerror=alert(1)>` is shown as those characters and runs nothing. Supports what
 * agents commonly write: paragraphs, fenced code, `code`, **bold**, *italic* or _italic_, and links
 * whose URL is http(s).
 */
export function renderMarkdown(markdown: string, doc: Document = document): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  const fence = /^```[^\n]*\n([\s\S]*?)(?:\n```|$)/gm;
  let last = 0;
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    paragraphs(markdown.slice(last, match.index), fragment, doc);
    const pre = doc.createElement('pre');
    const code = doc.createElement('code');
    code.textContent = match[1] ?? '';
    pre.append(code);
    fragment.append(pre);
    last = fence.lastIndex;
  }
  paragraphs(markdown.slice(last), fragment, doc);
  return fragment;
}

function paragraphs(text: string, into: DocumentFragment, doc: Document): void {
  for (const block of text.split(/\n{2,}/)) {
    if (block.trim() === '') continue;
    const p = doc.createElement('p');
    const lines = block.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) p.append(doc.createElement('br'));
      inline(line, p, doc);
    });
    into.append(p);
  }
}

const inlinePattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_|\[([^\]]+)\]\(([^)\s]+)\)/g;

function inline(text: string, into: HTMLElement, doc: Document): void {
  let last = 0;
  for (let match = inlinePattern.exec(text); match; match = inlinePattern.exec(text)) {
    into.append(doc.createTextNode(text.slice(last, match.index)));
    const [, code, bold, em1, em2, label, href] = match;
    if (code !== undefined) into.append(element(doc, 'code', code));
    else if (bold !== undefined) into.append(element(doc, 'strong', bold));
    else if (em1 !== undefined || em2 !== undefined) into.append(element(doc, 'em', (em1 ?? em2)!));
    else if (label !== undefined && href !== undefined && /^https?:\/\//i.test(href)) {
      const a = element(doc, 'a', label) as HTMLAnchorElement;
      a.href = href;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      into.append(a);
    } else into.append(doc.createTextNode(match[0]));
    last = inlinePattern.lastIndex;
  }
  into.append(doc.createTextNode(text.slice(last)));
}

function element(doc: Document, tag: string, text: string): HTMLElement {
  const el = doc.createElement(tag);
  el.textContent = text;
  return el;
}
