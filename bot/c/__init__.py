"""C front end: tree-sitter parse, control-flow graphs, path dataflow."""
