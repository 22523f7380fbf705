// placeholder: the Electron entry (window, security, IPC) is built in src/main/electron.
export {};
