package learning

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
)

// writeProfiles upserts every profile, writeBatch rows a statement, and reports after each.
func writeProfiles(tx *gorm.DB, d dialect, rows []profileRow, progress func(done int)) error {
	for start := 0; start < len(rows); start += writeBatch {
		batch := rows[start:min(start+writeBatch, len(rows))]
		args := make([]any, 0, len(batch)*len(profileColumns))
		for _, p := range batch {
			fields := []byte(p.keptFields)
			if len(fields) == 0 {
				var err error
				if fields, err = json.Marshal(p.fields); err != nil {
					return err
				}
			}
			hint, err := json.Marshal(p.hint)
			if err != nil {
				return err
			}
			args = append(args, p.id, p.key.host, p.key.schemaHash, p.family, string(fields),
				nullable(p.successRate), nullable(p.avgEditChars), nullable(p.avgDurationMS),
				p.eventCount, nullable(p.lastEventAt), nullable(p.lastEventAt), string(hint),
				p.createdAt, p.updatedAt)
		}
		if err := tx.Exec(d.upsertSQL(len(batch)), args...).Error; err != nil {
			return err
		}
		progress(start + len(batch))
	}
	return nil
}

// writeWeights sets the prior weights that changed, in one statement.
func writeWeights(tx *gorm.DB, d dialect, weights map[string]float64, now time.Time) error {
	if len(weights) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(weights))
	args := make([]any, 0, 3*len(ids)+1)
	for _, id := range ids {
		args = append(args, id, weights[id])
	}
	args = append(args, now)
	for _, id := range ids {
		args = append(args, id)
	}
	return tx.Exec(d.weightsSQL(len(ids)), args...).Error
}

// nullable turns a nil pointer into an untyped nil, which every driver writes as NULL.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
