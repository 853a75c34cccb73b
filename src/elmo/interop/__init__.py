"""Reading and writing models in other projects' file formats."""
