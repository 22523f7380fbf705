// placeholder: the browser-mode server entry.
export {};
