-- Password throttles whose last failure is old and that hold no lock are pruned by age.
CREATE INDEX password_throttles_by_age ON password_throttles (tenant_id, updated_at);
