"""The `index/` folder as readers see it: generations, their stored content and page packs."""
