/** Placeholder: this package is not built yet (see its README). */
export {};
