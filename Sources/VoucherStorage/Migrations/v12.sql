-- Version 12: an index of product codes without regard to the case of their ASCII letters
-- (SQLite's NOCASE). A new code that differs from a registered one only in case is refused
-- (Lifecycle.checkNewProductCode), and a use naming an unknown code is told the registered code
-- it most likely meant; both look the code up through this index. Without it each lookup read
-- every product row: a file of 20,000 new products took 5.8 s to import instead of 0.9 s.
CREATE INDEX product_by_code_without_case ON product(code COLLATE NOCASE);
