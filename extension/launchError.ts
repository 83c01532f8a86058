// A start that was refused or cancelled in a way the person should read as it
// is (shown as a warning, with no log to look at): a dismissed dialog, a
// refused password, a file others could change.
export class LaunchError extends Error {}
